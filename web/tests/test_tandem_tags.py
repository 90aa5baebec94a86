from web.templatetags.tandem import capped


def test_capped_counts_read_as_the_cap_and_more_only_past_it():
    assert capped(999, 1000) == "999"
    assert capped(1000, 1000) == "1,000"
    assert capped(1001, 1000) == "1,000+"
