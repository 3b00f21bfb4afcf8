"""Reference `batch`: chunks of 25, client.batch_write_item, resend UnprocessedItems."""
import time

import boto3
from _args import KEY, REGION, SECRET, Clock, parse, report

a = parse()
client = boto3.client("dynamodb", endpoint_url=a.endpoint, region_name=REGION,
                      aws_access_key_id=KEY, aws_secret_access_key=SECRET)
client.describe_table(TableName=a.table)
ok = 0
with Clock() as clock:
    for i in range(0, len(a.item_list), 25):
        requests = [{"PutRequest": {"Item": it}} for it in a.item_list[i:i + 25]]
        while requests:
            r = client.batch_write_item(RequestItems={a.table: requests})
            left = r.get("UnprocessedItems", {}).get(a.table, [])
            ok += len(requests) - len(left)
            requests = left
            if left:
                time.sleep(0.05)
report(a, clock, ok)
