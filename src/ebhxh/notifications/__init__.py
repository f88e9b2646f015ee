"""Transactional outbox for email and SMS."""
