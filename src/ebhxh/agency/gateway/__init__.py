"""The gateway I-VANs talk to: intake of signed dossiers, receipts, status and callbacks."""
