from tests.pki.support import demo_pki  # noqa: F401 - the session's demo PKI
