"""Remote signing with confirmation on the holder's device."""
