"""The back office: admins (not players) in simple server-rendered pages over the core."""
