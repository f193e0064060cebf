"""The neuron lab: Hodgkin-Huxley, LIF, tuning curves, synapses, populations, activations."""
