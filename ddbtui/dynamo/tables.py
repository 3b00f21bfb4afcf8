"""Tables: list, create, describe, delete, wait. Plain functions over a boto3 client."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ddbtui.dynamo import validation as v
from ddbtui.dynamo.errors import DdbError, ValidationError, error_code, explain


@dataclass
class KeySpec:
    name: str
    type: str = "S"


@dataclass
class GsiSpec:
    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None = None
    projection: str = "ALL"  # ALL | KEYS_ONLY
    read_capacity: int | None = None
    write_capacity: int | None = None


@dataclass
class TableSpec:
    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None = None
    billing_mode: str = "PAY_PER_REQUEST"  # or PROVISIONED
    read_capacity: int | None = None
    write_capacity: int | None = None
    gsis: list[GsiSpec] = field(default_factory=list)
    ttl_attribute: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def validate(self) -> "TableSpec":
        """Raise ValidationError (with .field) on the first problem; normalize values."""
        self.name = v.table_name(self.name)
        self.partition_key = KeySpec(v.attribute_name(self.partition_key.name, field="pk_name",
                                                      what="Partition key name"),
                                     v.key_type(self.partition_key.type, field="pk_type"))
        if self.sort_key and (self.sort_key.name or "").strip():
            self.sort_key = KeySpec(v.attribute_name(self.sort_key.name, field="sk_name",
                                                     what="Sort key name"),
                                    v.key_type(self.sort_key.type, field="sk_type"))
            if self.sort_key.name == self.partition_key.name:
                raise ValidationError("the sort key must differ from the partition key", field="sk_name")
        else:
            self.sort_key = None
        mode = (self.billing_mode or "PAY_PER_REQUEST").upper()
        if mode in ("ON_DEMAND", "ON-DEMAND"):
            mode = "PAY_PER_REQUEST"
        if mode not in ("PAY_PER_REQUEST", "PROVISIONED"):
            raise ValidationError("billing mode must be PAY_PER_REQUEST (on-demand) or PROVISIONED",
                                  field="billing_mode")
        self.billing_mode = mode
        if mode == "PROVISIONED":
            self.read_capacity = v.capacity(self.read_capacity, field="rcu", what="Read capacity units")
            self.write_capacity = v.capacity(self.write_capacity, field="wcu", what="Write capacity units")
        seen = set()
        types = {self.partition_key.name: self.partition_key.type}
        if self.sort_key:
            types[self.sort_key.name] = self.sort_key.type
        if len(self.gsis) > 20:
            raise ValidationError("at most 20 global secondary indexes per table", field="gsis")
        for i, g in enumerate(self.gsis):
            g.name = v.index_name(g.name, field=f"gsi{i}_name")
            if g.name in seen:
                raise ValidationError(f"index name {g.name!r} is used twice", field=f"gsi{i}_name")
            seen.add(g.name)
            keys = [("pk", g.partition_key)] + ([("sk", g.sort_key)] if g.sort_key and g.sort_key.name else [])
            for kind, k in keys:
                k.name = v.attribute_name(k.name, field=f"gsi{i}_{kind}_name",
                                          what=f"Index {g.name} key name")
                k.type = v.key_type(k.type, field=f"gsi{i}_{kind}_type")
                if types.setdefault(k.name, k.type) != k.type:
                    raise ValidationError(f"attribute {k.name!r} is declared as {types[k.name]} and {k.type}",
                                          field=f"gsi{i}_{kind}_type")
            if not (g.sort_key and g.sort_key.name):
                g.sort_key = None
            g.projection = (g.projection or "ALL").upper()
            if g.projection not in ("ALL", "KEYS_ONLY"):
                raise ValidationError("index projection must be ALL or KEYS_ONLY", field=f"gsi{i}_projection")
            if mode == "PROVISIONED":
                g.read_capacity = v.capacity(g.read_capacity or self.read_capacity, field=f"gsi{i}_rcu",
                                             what=f"Index {g.name} read capacity")
                g.write_capacity = v.capacity(g.write_capacity or self.write_capacity, field=f"gsi{i}_wcu",
                                              what=f"Index {g.name} write capacity")
        if self.ttl_attribute is not None:
            self.ttl_attribute = self.ttl_attribute.strip() or None
            if self.ttl_attribute:
                v.attribute_name(self.ttl_attribute, field="ttl", what="TTL attribute name")
        clean_tags: dict[str, str] = {}
        for raw_key, val in (self.tags or {}).items():
            tag = str(raw_key).strip()
            if not tag or len(tag) > 128:
                raise ValidationError(f"tag key {tag!r} must be 1 to 128 characters", field="tags")
            if tag.startswith("aws:"):
                raise ValidationError(f"tag key {tag!r}: the aws: prefix is reserved", field="tags")
            if len(str(val)) > 256:
                raise ValidationError(f"tag {tag!r} value is longer than 256 characters", field="tags")
            clean_tags[tag] = str(val)
        if len(clean_tags) > 50:
            raise ValidationError("at most 50 tags per table", field="tags")
        self.tags = clean_tags
        return self

    def create_kwargs(self) -> dict[str, Any]:
        attrs = {self.partition_key.name: self.partition_key.type}
        schema = [{"AttributeName": self.partition_key.name, "KeyType": "HASH"}]
        if self.sort_key:
            attrs[self.sort_key.name] = self.sort_key.type
            schema.append({"AttributeName": self.sort_key.name, "KeyType": "RANGE"})
        kw: dict[str, Any] = {"TableName": self.name, "KeySchema": schema,
                              "BillingMode": self.billing_mode}
        if self.billing_mode == "PROVISIONED":
            kw["ProvisionedThroughput"] = {"ReadCapacityUnits": self.read_capacity,
                                           "WriteCapacityUnits": self.write_capacity}
        gsis = []
        for g in self.gsis:
            attrs[g.partition_key.name] = g.partition_key.type
            ks = [{"AttributeName": g.partition_key.name, "KeyType": "HASH"}]
            if g.sort_key:
                attrs[g.sort_key.name] = g.sort_key.type
                ks.append({"AttributeName": g.sort_key.name, "KeyType": "RANGE"})
            d = {"IndexName": g.name, "KeySchema": ks, "Projection": {"ProjectionType": g.projection}}
            if self.billing_mode == "PROVISIONED":
                d["ProvisionedThroughput"] = {"ReadCapacityUnits": g.read_capacity,
                                              "WriteCapacityUnits": g.write_capacity}
            gsis.append(d)
        if gsis:
            kw["GlobalSecondaryIndexes"] = gsis
        kw["AttributeDefinitions"] = [{"AttributeName": n, "AttributeType": t} for n, t in attrs.items()]
        if self.tags:
            kw["Tags"] = [{"Key": k, "Value": val} for k, val in self.tags.items()]
        return kw


def wallet_spec(name: str = "wallets", **kw) -> TableSpec:
    """The 'user wallet' preset: user_id (S) partition key, on-demand."""
    return TableSpec(name=name, partition_key=KeySpec("user_id", "S"), **kw)


# --------------------------------------------------------------------------- calls
def list_tables(client, *, page_size: int = 100) -> list[str]:
    """Every table name, following LastEvaluatedTableName past 100."""
    names: list[str] = []
    kw: dict[str, Any] = {"Limit": page_size}
    while True:
        resp = client.list_tables(**kw)
        names.extend(resp.get("TableNames", []))
        last = resp.get("LastEvaluatedTableName")
        if not last:
            return names
        kw["ExclusiveStartTableName"] = last


def create_table(client, spec: TableSpec, *, wait: bool = False, timeout: float = 300) -> dict:
    """Validate, create, then (after ACTIVE) enable TTL. Returns the TableDescription."""
    spec.validate()
    desc = client.create_table(**spec.create_kwargs())["TableDescription"]
    if wait or spec.ttl_attribute:
        desc = wait_active(client, spec.name, timeout=timeout)
    if spec.ttl_attribute:
        client.update_time_to_live(TableName=spec.name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": spec.ttl_attribute})
    return desc


def delete_table(client, name: str, *, wait: bool = False, timeout: float = 300) -> None:
    v.table_name(name)
    client.delete_table(TableName=name)
    if wait:
        wait_gone(client, name, timeout=timeout)


def table_status(client, name: str) -> str | None:
    try:
        return client.describe_table(TableName=name)["Table"]["TableStatus"]
    except Exception as e:
        if error_code(e) == "ResourceNotFoundException":
            return None
        raise


def wait_active(client, name: str, *, timeout: float = 300, poll: float = 0.5,
                on_status: Callable[[str], None] | None = None) -> dict:
    """Poll DescribeTable until the table and its indexes are ACTIVE."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            t = client.describe_table(TableName=name)["Table"]
        except Exception as e:
            if error_code(e) != "ResourceNotFoundException":
                raise
            t = {"TableStatus": "CREATING"}
        status = t.get("TableStatus")
        if on_status:
            on_status(status)
        idx_ok = all(g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in t.get("GlobalSecondaryIndexes", []))
        if status == "ACTIVE" and idx_ok:
            return t
        if time.monotonic() > deadline:
            raise DdbError(f"table {name} is still {status} after {timeout:.0f}s")
        time.sleep(poll)


def wait_gone(client, name: str, *, timeout: float = 300, poll: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while table_status(client, name) is not None:
        if time.monotonic() > deadline:
            raise DdbError(f"table {name} still exists after {timeout:.0f}s")
        time.sleep(poll)


@dataclass
class TableInfo:
    name: str
    status: str
    partition_key: KeySpec
    sort_key: KeySpec | None
    billing_mode: str
    read_capacity: int | None
    write_capacity: int | None
    item_count: int
    size_bytes: int
    arn: str
    created: Any
    gsis: list[dict]
    lsis: list[dict]
    ttl: dict
    tags: dict[str, str]
    stream: dict | None
    raw: dict  # {"Table": ..., "TimeToLiveDescription": ..., "Tags": [...]}
    tags_note: str | None = None  # why tags could not be read (DynamoDB Local has no tagging)

    @property
    def key_names(self) -> list[str]:
        return [self.partition_key.name] + ([self.sort_key.name] if self.sort_key else [])


def _keys(schema: list[dict], attrs: dict[str, str]) -> tuple[KeySpec, KeySpec | None]:
    pk: KeySpec | None = None
    sk: KeySpec | None = None
    for k in schema:
        spec = KeySpec(k["AttributeName"], attrs.get(k["AttributeName"], "S"))
        if k["KeyType"] == "HASH":
            pk = spec
        else:
            sk = spec
    if pk is None:
        raise DdbError("the table's key schema has no partition (HASH) key")
    return pk, sk


def describe_table(client, name: str) -> TableInfo:
    """DescribeTable + DescribeTimeToLive + ListTagsOfResource in one readable record."""
    t = client.describe_table(TableName=name)["Table"]
    attrs = {a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])}
    pk, sk = _keys(t["KeySchema"], attrs)
    try:
        ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
    except Exception:
        ttl = {}
    tags: dict[str, str] = {}
    raw_tags: list[dict] = []
    tags_note = None
    arn = t.get("TableArn", "")
    if arn:
        kw: dict[str, Any] = {"ResourceArn": arn}
        try:
            while True:
                r = client.list_tags_of_resource(**kw)
                raw_tags.extend(r.get("Tags", []))
                if not r.get("NextToken"):
                    break
                kw["NextToken"] = r["NextToken"]
        except Exception as e:
            code = error_code(e)
            if code == "UnknownOperationException":
                tags_note = "this engine does not support tags (DynamoDB Local ignores them)"
            else:
                tags_note = f"tags could not be read: {explain(e)}"
        tags = {x["Key"]: x["Value"] for x in raw_tags}
    billing = (t.get("BillingModeSummary") or {}).get("BillingMode")
    pt = t.get("ProvisionedThroughput") or {}
    if not billing:
        billing = "PROVISIONED" if pt.get("ReadCapacityUnits") else "PAY_PER_REQUEST"
    prov = billing == "PROVISIONED"
    return TableInfo(
        name=t["TableName"], status=t.get("TableStatus", "?"), partition_key=pk, sort_key=sk,
        billing_mode=billing, read_capacity=pt.get("ReadCapacityUnits") if prov else None,
        write_capacity=pt.get("WriteCapacityUnits") if prov else None,
        item_count=t.get("ItemCount", 0), size_bytes=t.get("TableSizeBytes", 0), arn=arn,
        created=t.get("CreationDateTime"), gsis=t.get("GlobalSecondaryIndexes", []),
        lsis=t.get("LocalSecondaryIndexes", []), ttl=ttl, tags=tags,
        stream=t.get("StreamSpecification"),
        raw={"Table": t, "TimeToLiveDescription": ttl, "Tags": raw_tags}, tags_note=tags_note)


def index_keys(info: TableInfo, index: str | None) -> tuple[KeySpec, KeySpec | None]:
    """Key specs of the table (index None) or one of its indexes."""
    if not index:
        return info.partition_key, info.sort_key
    attrs = {a["AttributeName"]: a["AttributeType"] for a in info.raw["Table"].get("AttributeDefinitions", [])}
    for g in info.gsis + info.lsis:
        if g["IndexName"] == index:
            return _keys(g["KeySchema"], attrs)
    raise ValidationError(f"table {info.name} has no index {index!r}", field="index")


def table_is_empty(client, name: str) -> bool:
    r = client.scan(TableName=name, Limit=1, Select="COUNT")
    return r.get("Count", 0) == 0 and not r.get("LastEvaluatedKey")


def count_items(client, name: str) -> int:
    """Exact count: Scan with Select=COUNT over all pages."""
    total = 0
    kw: dict[str, Any] = {"TableName": name, "Select": "COUNT"}
    while True:
        r = client.scan(**kw)
        total += r.get("Count", 0)
        if not r.get("LastEvaluatedKey"):
            return total
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]
