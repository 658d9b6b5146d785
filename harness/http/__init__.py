"""HTTP for the harness: a client that never hides what the DUT did, a server for requests the DUT
sends (A1-P as consumer, status notifications), and HTTP exchange records for the evidence."""
