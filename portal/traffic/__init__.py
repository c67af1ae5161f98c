"""The vendor traffic log: every inbound vendor call and every outbound call, masked."""
