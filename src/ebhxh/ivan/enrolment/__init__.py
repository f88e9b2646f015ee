"""Registration wizard of the I-VAN (seeds 000 and 004): register the e-service (04/ĐK-IVAN),
request a unit code (HSDKLanDau), activate with the emailed code, carry an issued code in a
change dossier (05/SD-IVAN), and stop the old provider (06/NG-IVAN).

Every dossier goes through the filing engine (`ebhxh.ivan.filings`); this package prepares
the forms, moves the unit's e-service state from the engine's outcome hooks and from the
gateway's activation answers, and emails the company at each step.
"""
