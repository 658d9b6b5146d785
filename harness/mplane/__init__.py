"""M-plane (O-RAN.WG4.MP): NETCONF over SSH client, datastore, spec steps and runner.

Licence boundary: ncclient (Apache-2.0) is imported only from modules in this
package; nothing here imports scapy (GPL-2.0-only). Keep it that way.
"""
