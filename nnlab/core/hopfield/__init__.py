"""The Hopfield lab: Hebbian storage, asynchronous and synchronous recall, energy, capacity."""
