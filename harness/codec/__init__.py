"""Codecs: ASN.1 (E2AP, E2SM) compiled through our lowering step onto asn1tools."""
