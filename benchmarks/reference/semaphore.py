"""Reference `semaphore`: a thread per item, at most C at once (BoundedSemaphore)."""
import threading

import boto3
from botocore.config import Config
from _args import KEY, REGION, SECRET, Clock, parse, report

a = parse()
client = boto3.client("dynamodb", endpoint_url=a.endpoint, region_name=REGION,
                      aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                      config=Config(max_pool_connections=a.concurrency))
client.describe_table(TableName=a.table)
sem = threading.BoundedSemaphore(a.concurrency)
done = []


def put(item):
    try:
        client.put_item(TableName=a.table, Item=item)
        done.append(1)
    finally:
        sem.release()


with Clock() as clock:
    threads = []
    for item in a.item_list:
        sem.acquire()
        t = threading.Thread(target=put, args=(item,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
report(a, clock, len(done))
