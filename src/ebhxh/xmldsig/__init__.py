"""XMLDSig with the profile of DESIGN.md §2: enveloped, URI="", C14N, RSA-SHA256, X509 KeyInfo."""
