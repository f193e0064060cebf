"""The backprop stepper lab: MLP, perceptron and expression-graph modes."""
