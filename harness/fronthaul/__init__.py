"""Open Fronthaul CU-plane: eCPRI and O-RAN CUS packet layers, capture checks, a generator."""
