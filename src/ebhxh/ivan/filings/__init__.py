"""Dossiers (hồ sơ) of the I-VAN: prepare, check, sign, submit and track, for every procedure.

Every dossier the app files goes through this engine: a `Filing` is created from its forms
(checked with the very readers the gateway uses), signed with the unit's configured
certificate (USB token through the signer agent, or remote signing), submitted through the
gateway port, then followed until the agency decides. Procedures plug in with
`services.register_outcome_hook` to react when their dossiers change state.
"""
