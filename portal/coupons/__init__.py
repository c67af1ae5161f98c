"""Coupons on the portal's own bet slip, accepted and calculated by the bet calculation
service (seed 004)."""
