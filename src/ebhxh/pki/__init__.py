"""Certificates: the demo PKI, chain and revocation validation, and who a certificate names.

Pure Python (cryptography), no Django: the agency, the I-VAN and the CLI validate alike.
"""
