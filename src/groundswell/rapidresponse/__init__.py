"""The rapid-response network: zones, subscribers, reports, verification,
alerts and retention."""
