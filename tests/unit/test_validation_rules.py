import pytest

from ddbtui.dynamo import validation as v
from ddbtui.dynamo.errors import ValidationError
from ddbtui.dynamo.tables import GsiSpec, KeySpec, TableSpec


@pytest.mark.parametrize("name, frag", [
    ("ab", "too short"), ("x" * 256, "at most 255"), ("bad name!", "characters DynamoDB does not allow"),
    ("", "required"), ("tab\u00e9le", "characters"),
])
def test_table_name_rules(name, frag):
    with pytest.raises(ValidationError) as e:
        v.table_name(name)
    assert frag in str(e.value) and e.value.field == "table_name"


@pytest.mark.parametrize("name", ["abc", "a.b-c_d", "X" * 255, "123"])
def test_good_table_names(name):
    assert v.table_name(name) == name


def test_spec_validation_fields():
    cases = [
        (TableSpec("ok_table", KeySpec("", "S")), "pk_name"),
        (TableSpec("ok_table", KeySpec("id", "X")), "pk_type"),
        (TableSpec("ok_table", KeySpec("id"), KeySpec("id")), "sk_name"),
        (TableSpec("ok_table", KeySpec("id"), billing_mode="PROVISIONED", read_capacity="x", write_capacity=1), "rcu"),
        (TableSpec("ok_table", KeySpec("id"), billing_mode="PROVISIONED", read_capacity=1, write_capacity=0), "wcu"),
        (TableSpec("ok_table", KeySpec("id"), gsis=[GsiSpec("g", KeySpec("a"))]), "gsi0_name"),
        (TableSpec("ok_table", KeySpec("id", "S"), gsis=[GsiSpec("gsi1", KeySpec("id", "N"))]), "gsi0_pk_type"),
        (TableSpec("ok_table", KeySpec("id"), tags={"aws:x": "1"}), "tags"),
        (TableSpec("ok_table", KeySpec("id"), billing_mode="free"), "billing_mode"),
    ]
    for spec, field in cases:
        with pytest.raises(ValidationError) as e:
            spec.validate()
        assert e.value.field == field, (spec, e.value)


def test_spec_create_kwargs():
    spec = TableSpec("orders", KeySpec("pk", "s"), KeySpec("sk", "N"), billing_mode="provisioned",
                     read_capacity="5", write_capacity=3,
                     gsis=[GsiSpec("by_customer", KeySpec("customer", "S"), KeySpec("sk", "N"))],
                     tags={"team": "payments"}).validate()
    kw = spec.create_kwargs()
    assert kw["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3}
    assert {a["AttributeName"]: a["AttributeType"] for a in kw["AttributeDefinitions"]} == {
        "pk": "S", "sk": "N", "customer": "S"}
    assert kw["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert kw["Tags"] == [{"Key": "team", "Value": "payments"}]


def test_batch_limit():
    v.batch_size(25)
    with pytest.raises(ValidationError) as e:
        v.batch_size(26)
    assert "at most 25" in str(e.value)
