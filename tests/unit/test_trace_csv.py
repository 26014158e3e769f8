"""A trace as CSV: one row per receipt, per input used and per output made, sorted, formulas defused."""

from tests.helpers import provenance_graph
from traceability.formats.trace_csv import COLUMNS, dump, rows

STEP = {"date": "2025-11-18", "location": "Dapur Bundo", "business": 1, "reference_document": "step 1: Masak rendang"}


def test_rows_give_each_tracking_event_in_date_event_and_lot_order():
    assert rows(provenance_graph()) == [
        {
            "event": "receiving",
            "date": "2025-11-17",
            "lot_code": "DS-2511",
            "product": "Daging sapi",
            "quantity": 5,
            "unit": "kg",
            "location": None,
            "source": "RPH Tanjung Uncang",
            "reference_document": "ID00410000123450724",
            "business": 1,
        },
        {
            "event": "receiving",
            "date": "2025-11-17",
            "lot_code": "SN 1",
            "product": "Santan",
            "quantity": None,
            "unit": "ikat",
            "location": None,
            "source": "Toko Sinar",
            "reference_document": None,
            "business": 1,
        },
        {
            **STEP,
            "event": "transformation_input",
            "lot_code": "DS-2511",
            "product": "Daging sapi",
            "quantity": 2,
            "unit": "kg",
            "source": None,
        },
        {
            **STEP,
            "event": "transformation_input",
            "lot_code": "SN 1",
            "product": "Santan",
            "quantity": 1,
            "unit": "ikat",
            "source": None,
        },
        {
            **STEP,
            "event": "transformation_output",
            "lot_code": "RBN-251118",
            "product": "Rendang Sapi",
            "quantity": None,
            "unit": None,
            "source": None,
        },
    ]


def test_an_intermediate_batch_used_as_input_is_named_by_its_product():
    graph = provenance_graph()
    graph.add_node("step:2", type="step", name="Kemas", performed_on=graph.nodes["step:1"]["performed_on"], business=1)
    graph.add_node("batch:2", type="batch", lot_code="RBN-P1", product_name="Rendang Sapi 250 g", business=1)
    graph.add_edge("batch:1", "step:2", kind="used", quantity=10, unit="kg")
    graph.add_edge("step:2", "batch:2", kind="generated")

    packing = [r for r in rows(graph) if r["reference_document"] == "step 2: Kemas"]

    assert [(r["event"], r["lot_code"], r["product"], r["quantity"], r["location"]) for r in packing] == [
        ("transformation_input", "RBN-251118", "Rendang Sapi", 10, None),
        ("transformation_output", "RBN-P1", "Rendang Sapi 250 g", None, None),
    ]


def test_a_lot_without_material_supplier_or_certificate_still_gives_a_row():
    graph = provenance_graph()
    graph.remove_nodes_from(["material:2", "supplier:2"])

    receipt = next(r for r in rows(graph) if r["lot_code"] == "SN 1" and r["event"] == "receiving")

    assert (receipt["product"], receipt["source"], receipt["reference_document"]) == (None, None, None)


def test_dump_writes_a_header_and_crlf_rows_in_column_order():
    text = dump(provenance_graph())

    lines = text.split("\r\n")
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1] == "receiving,2025-11-17,DS-2511,Daging sapi,5,kg,,RPH Tanjung Uncang,ID00410000123450724,1"
    assert lines[5] == "transformation_output,2025-11-18,RBN-251118,Rendang Sapi,,,Dapur Bundo,,step 1: Masak rendang,1"
    assert lines[6:] == [""]


def test_dump_defuses_text_a_spreadsheet_would_run():
    graph = provenance_graph()
    graph.nodes["supplier:1"]["name"] = '=HYPERLINK("http://evil","x")'

    assert '\'=HYPERLINK(""http://evil"",""x"")' in dump(graph)
