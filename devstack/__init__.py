"""The local stack: moto (DynamoDB with streams, SES) over real HTTP, the app's tables, the Chalice
API, a stream pump and a scheduler delivering Lambda-shaped events to the app's own handlers.

Dev tooling only: never packaged into Lambda, never imported by app.py or chalicelib.
"""
