"""Signers behind one port: a PKCS#12 file, a PKCS#11 token, or a signature made elsewhere."""
