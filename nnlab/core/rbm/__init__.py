"""The RBM lab: contrastive divergence, Gibbs sampling, the exact Boltzmann distribution of small models."""
