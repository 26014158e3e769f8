"""Reading the city's registry CSV: every bad row named with its line, and the words businesses are found by."""

from traceability.formats.registry_csv import parse_registry, query_phrase, query_tokens, search_tokens

HEADER = "nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli\n"
GOOD = "2103250009911,Kedai Kopi Pak Man,Sulaiman,Jl. Raja Isa,Batam Kota,Batam Kota,Batam,0812-7000-1111,micro,56303\n"


def test_good_rows_are_read_with_their_line():
    parsed = parse_registry(HEADER + GOOD)

    assert parsed.invalid == []
    assert parsed.rows == [
        {
            "line": 2,
            "nib": "2103250009911",
            "name": "Kedai Kopi Pak Man",
            "owner": "Sulaiman",
            "address": "Jl. Raja Isa",
            "kelurahan": "Batam Kota",
            "kecamatan": "Batam Kota",
            "city": "Batam",
            "phone": "0812-7000-1111",
            "scale": "micro",
            "kbli": "56303",
        }
    ]


def test_every_bad_row_is_named_by_its_line():
    text = HEADER + "".join(
        [
            GOOD,
            "210325000991,Short NIB,,,,,,,micro,\n",
            "2103250009912,Too big,,,,,,,tiny,\n",
            "2103250009913,,,,,,,,small,\n",
            "2103250009914,Bad KBLI,,,,,,,small,5630\n",
            "2103250009915,Bad phone,,,,,,call me,small,\n",
            "2103250009916,Too few fields\n",
            "\n",
            GOOD,
            '2103250009917,"Kue ""Mak"" Ijah, Sei Panas",,,,,,,Medium,\n',
        ]
    )

    parsed = parse_registry(text)

    assert [(i["line"], i["error"].split(":")[0]) for i in parsed.invalid] == [
        (3, "nib"),
        (4, "scale"),
        (5, "name"),
        (6, "kbli"),
        (7, "phone"),
        (8, "2 fields, the header has 10"),
        (10, "nib"),
    ]
    assert "already on line 2" in parsed.invalid[-1]["error"]
    assert [(r["line"], r["name"], r["scale"]) for r in parsed.rows] == [
        (2, "Kedai Kopi Pak Man", "micro"),
        (11, 'Kue "Mak" Ijah, Sei Panas', "medium"),
    ]


def test_a_missing_column_refuses_the_header():
    parsed = parse_registry("nib,name,scale\n2103250009911,X,micro\n")

    assert parsed.rows == []
    assert parsed.invalid == [
        {"line": 1, "error": "header: missing column(s) owner, address, kelurahan, kecamatan, city, phone, kbli"}
    ]


def test_every_tail_of_a_fields_words_is_a_token():
    assert search_tokens("Kue Lapis Mak Éti", None, "2103250009911", "Sei Panas") == {
        "kue lapis mak eti",
        "lapis mak eti",
        "mak eti",
        "eti",
        "2103250009911",
        "sei panas",
        "panas",
    }


def test_queries_are_folded_as_a_phrase_and_as_words():
    assert query_phrase("  LAPIS  mak, Éti ") == "lapis mak eti"
    assert query_tokens("  LAPIS  mak lapis") == ["lapis", "mak"]
    assert query_phrase("—") == ""
