"""Network impairment and failure on named lab links (issue 20): the model, a userspace relay,
tc netem and link down/up, and the named path profiles. Protocol-free; sits on the transport layer."""
