from web.templatetags.tandem import capped


def test_capped_counts_read_as_the_cap_and_more_only_past_it():
    assert capped(999, 1000) == "999"
    assert capped(1000, 1000) == "1,000"
    assert capped(1001, 1000) == "1,000+"


def test_custom_values_read_as_people_write_them(settings):
    from web.templatetags.tandem import custom_value

    assert custom_value(12500.5, "number") == "12,500.5"
    assert custom_value(-3, "number") == "-3"
    assert custom_value("2031-03-01", "date") == "Mar 1, 2031"
    assert custom_value("not a date", "date") == "not a date"
    assert custom_value(None, "text") == ""
    assert custom_value({"a": 1}, "text") == ""  # never a JSON dump
    assert custom_value(True, "text") == "True"


def test_custom_field_changes_get_a_line_per_field_named_or_humanized():
    from web.templatetags.tandem import change_lines

    lines = change_lines(
        {"custom_fields": [{"amount": 300, "gone_field": "x"}, {"amount": 1500, "new": "y"}]},
        {"amount": "Deal size"},
    )

    assert [(line["field"], line["old"], line["new"]) for line in lines] == [
        ("Deal size", "300", "1,500"),
        ("Gone field", "x", "—"),
        ("New", "—", "y"),
    ]
