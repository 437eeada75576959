"""Wiring only: the HTTP routes (a light table; each route's module loads on its first request), stream
handlers and schedules. Logic lives in chalicelib; nothing heavy is imported when this module loads."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Cron, Rate
from chalice.app import CloudWatchEvent, DynamoDBEvent, S3Event, SNSEvent

from chalicelib.http.dispatch import register
from chalicelib.observability import observe
from chalicelib.settings import get_settings, stream_arn

app = Chalice(app_name="servicedesk")
register(app)
app.register_middleware(observe)  # JSON logs with request, function and company; metrics flushed per call


@app.on_dynamodb_record(stream_arn=stream_arn("tickets"), batch_size=100, starting_position="TRIM_HORIZON")
def on_ticket_change(event: DynamoDBEvent) -> dict[str, Any]:
    from chalicelib.lifecycle import handle_ticket_stream

    return handle_ticket_stream(event.to_dict())


@app.on_dynamodb_record(stream_arn=stream_arn("customer_ratings"), batch_size=100, starting_position="TRIM_HORIZON")
def update_karma(event: DynamoDBEvent) -> dict[str, Any]:
    from chalicelib.karma.update import handle_karma_stream

    return handle_karma_stream(event.to_dict())


@app.schedule(Rate(5, unit=Rate.MINUTES), name="flag_sla_breaches")
def flag_sla_breaches(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.tickets.jobs import flag_sla_breaches as run

    return run(event.to_dict())


@app.schedule(Rate(1, unit=Rate.HOURS), name="auto_close_resolved")
def auto_close_resolved(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.tickets.jobs import auto_close_resolved as run

    return run(event.to_dict())


@app.on_dynamodb_record(stream_arn=stream_arn("tickets"), batch_size=100, starting_position="TRIM_HORIZON")
def send_tip_email(event: DynamoDBEvent) -> dict[str, Any]:
    from chalicelib.tips.message import handle_tip_stream

    return handle_tip_stream(event.to_dict())


@app.schedule(Rate(5, unit=Rate.MINUTES), name="retry_tip_registrations")
def retry_tip_registrations(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.tips.accounts import retry_due

    return retry_due(event.to_dict())


@app.schedule(Cron(5, "*", "*", "*", "?", "*"), name="award_badges")
def award_badges(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.badges.job import award_daily

    return award_daily(event.to_dict())


@app.on_s3_event(bucket=get_settings().mail_bucket, events=["s3:ObjectCreated:*"], prefix="inbound/")
def receive_mail(event: S3Event) -> dict[str, Any]:
    from chalicelib.inbound.receive import handle_s3_event

    return handle_s3_event(event.to_dict())


@app.on_sns_message(topic=get_settings().mail_feedback_topic)
def mail_feedback(event: SNSEvent) -> dict[str, Any]:
    from chalicelib.inbound.feedback import handle_sns_event

    return handle_sns_event(event.to_dict())


@app.schedule(Rate(5, unit=Rate.MINUTES), name="resend_notifications")
def resend_notifications(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.notify.jobs import resend_failed

    return resend_failed(event.to_dict())
