"""Mail providers' webhooks: each verified as its provider documents, read into `ProviderEvent`s.

One module per provider (`sns` and `ses` for Amazon SES through SNS, `sendgrid`,
`mailgun`, `postmark`) and `events`, the provider-neutral form they all produce. No
database here: `services.readers.webhooks` decides what each event does.
"""
