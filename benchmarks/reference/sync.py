"""Reference `sync`: one boto3 client, a put_item loop."""
import boto3
from _args import KEY, REGION, SECRET, Clock, parse, report

a = parse()
client = boto3.client("dynamodb", endpoint_url=a.endpoint, region_name=REGION,
                      aws_access_key_id=KEY, aws_secret_access_key=SECRET)
client.describe_table(TableName=a.table)
ok = 0
with Clock() as clock:
    for item in a.item_list:
        client.put_item(TableName=a.table, Item=item)
        ok += 1
report(a, clock, ok)
