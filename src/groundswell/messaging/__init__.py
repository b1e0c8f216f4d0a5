"""The outbox, providers, inbound webhooks, opt-outs and the inbox."""
