"""The durable e-mail outbox: mail is queued in the caller's transaction and sent later by the scheduler.

`services.enqueue` adds a message under an idempotency key (nothing is sent inside a request);
`services.deliver_due`, run by `flask scheduler` or `flask outbox-deliver`, claims and sends due messages.
`recipients` leaves out (and reports) addresses mail can never reach; `browse` and `views` are the operator
admins' reading of every message (`/outbox`).
"""
