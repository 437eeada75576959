"""E-mail in: mail to a company's support address becomes tickets and thread replies.

SES stores each incoming message in the mail bucket (`inbound/`), the bucket's event runs
`receive_mail` (app.py), which reads the raw MIME (`parse`), drops junk and loops (`junk`), turns it
into text (`text`), stores the files (`attachments`), decides the ticket (`receive`) and writes
through the ticket service's own rules. Bounces and complaints of outgoing mail (SES -> SNS) feed
the suppression list (`feedback`). Companies' addresses live in `addresses`.
"""
