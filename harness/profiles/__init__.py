"""DUT and lab profiles: what the DUT claims (PICS) and how the lab runs it (PIXIT, timers, adapter)."""
