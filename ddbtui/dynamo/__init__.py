"""Everything that talks to DynamoDB. Never imports textual."""
