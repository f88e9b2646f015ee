"""Registration dossiers: the e-service (04/05/06) and first-time unit codes (HSDKLanDau)."""
