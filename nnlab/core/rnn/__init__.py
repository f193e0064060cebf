"""The RNN lab: recurrent cells unrolled in time and trained by backpropagation through time."""
