"""Reports built from results folders: joint reports, integrity manifests."""
