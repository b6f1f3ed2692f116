"""Cost anomaly alerts: per customer, a day of cost far above its own trailing weeks.

The math is `margins.calculations.anomalies`; this app stores what was found (the badge on the
margins table and customer page reads it), emits `cost.anomaly_detected` through the signed
outgoing webhooks once per customer and day, and holds each organization's sensitivity.
See docs/anomalies.md.
"""
