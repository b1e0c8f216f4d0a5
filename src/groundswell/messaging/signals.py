"""Signals other areas listen to.

``inbound_message_received(sender, organization, person, contact, body, message)`` is
sent for every incoming text that is not STOP/START/HELP, inside the transaction that
stores it (so a receiver's writes commit with it), after the text is on the person's
timeline and in the inbox. A receiver that acts on the text (rapid response reading a
responder's "1", a resident's JOIN) returns a short label such as "rapidresponse"; the
first label is stored on the message (``handled_by``) and the inbox shows it as
handled. A receiver that raises is logged and ignored: the text is never lost.
"""

from django.dispatch import Signal

inbound_message_received = Signal()

# ``message_status_changed(sender, message)``: a message became delivered, failed or
# suppressed through a provider's status callback.
message_status_changed = Signal()
