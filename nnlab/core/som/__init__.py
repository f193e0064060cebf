"""The SOM lab: a Kohonen map unfolding over its data, one stage of one sample at a time."""
