"""Tickets: the lifecycle (service), its schemas, views, SLA and scheduled jobs."""
