"""The phone page's endpoints: a call placed on the line's own webhooks, key by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ivr.content import load_catalog

from .studio_support import edit_by_hand

FRENCH = load_catalog().reference


def dial(client: FlaskClient) -> dict[str, Any]:
    response = client.post("/phone/calls")
    assert response.status_code == 200
    data: dict[str, Any] = response.get_json()
    return data


def press(client: FlaskClient, call: str, keys: str) -> Any:
    return client.post(f"/phone/calls/{call}/keys", data={"keys": keys})


def test_the_page_has_a_keypad_and_a_silence_button(viewer: FlaskClient) -> None:
    page = viewer.get("/phone").get_data(as_text=True)
    for key in "123456789*0#":
        assert f'data-key="{key}"' in page
    assert 'id="silence"' in page and 'id="call"' in page


def test_the_page_says_which_languages_the_real_line_leaves_out(viewer: FlaskClient) -> None:
    # The test build has French and Tigrinya audio; the content files give Twilio voices to ar, en, fr, ru
    # and uk: Dari and Pashto have neither.
    page = viewer.get("/phone").get_data(as_text=True)
    note = page[page.index('class="note"'):]
    assert "(fa)" in note and "(ps)" in note
    assert "(ti)" not in note and "(ru)" not in note and "(fr)" not in note


def test_a_call_starts_with_the_welcome_and_waits_for_a_key(viewer: FlaskClient) -> None:
    call = dial(viewer)
    first = call["sounds"][0]
    assert (first["verb"], first["key"], first["lang"]) == ("play", "welcome", "fr")
    assert first["words"] == FRENCH.text("welcome")
    assert first["url"].startswith("/audio/fr/welcome.") and first["seconds"] > 0
    assert call["waiting"] is True and call["ended"] is False
    # Languages with no audio are said: their words come with the call, with no file.
    said = [sound for sound in call["sounds"] if sound["verb"] == "say"]
    assert said and all(sound["url"] is None for sound in said)


def test_a_key_leads_to_the_next_node_and_silence_is_a_key_too(viewer: FlaskClient) -> None:
    call = dial(viewer)["call"]
    menu = press(viewer, call, "1").get_json()
    assert menu["sounds"][0]["key"] == "main.intro"
    silence = press(viewer, call, "").get_json()
    assert silence["sounds"][0]["key"] == "notice.noinput"


def test_the_played_files_are_served_by_the_studio(viewer: FlaskClient) -> None:
    url = dial(viewer)["sounds"][0]["url"]
    response = viewer.get(url)
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert response.data[:4] == b"RIFF"


def test_the_transfer_ends_the_call(viewer: FlaskClient) -> None:
    call = dial(viewer)["call"]
    press(viewer, call, "1")
    press(viewer, call, "0")  # help
    transfer = press(viewer, call, "1").get_json()
    assert [sound["verb"] for sound in transfer["sounds"]][-2:] == ["play", "hangup"]
    assert "dial" in [sound["verb"] for sound in transfer["sounds"]]
    assert transfer["ended"] is True
    assert press(viewer, call, "1").status_code == 404  # the call is over


@pytest.mark.parametrize("keys", ["x", "12", "١"])
def test_only_one_phone_key_at_a_time(viewer: FlaskClient, keys: str) -> None:
    call = dial(viewer)["call"]
    response = press(viewer, call, keys)
    assert response.status_code == 400 and "not a key" in response.get_json()["error"]


def test_an_unknown_call_is_404(viewer: FlaskClient) -> None:
    assert press(viewer, "CAnothing", "1").status_code == 404


def test_a_text_edited_on_disk_is_heard_at_the_next_call(studio_client: FlaskClient,
                                                         studio_dirs: tuple[Path, Path]) -> None:
    edit_by_hand(studio_dirs[0] / "en.yaml", "Main menu.", "The main menu.")
    call = dial(studio_client)["call"]
    menu = press(studio_client, call, "2").get_json()  # English is the second language
    assert menu["sounds"][0]["words"] == "The main menu."


def test_hanging_up_tells_the_line_and_the_stats_page_counts_it(studio_client: FlaskClient) -> None:
    call = dial(studio_client)["call"]
    press(studio_client, call, "1")
    press(studio_client, call, "2")  # the first step of creating the account
    assert studio_client.post(f"/phone/calls/{call}/hangup").get_json() == {"ended": True}
    assert studio_client.post(f"/phone/calls/{call}/hangup").status_code == 404  # once
    assert press(studio_client, call, "1").status_code == 404
    page = studio_client.get("/stats?lang=fr").get_data(as_text=True)
    ended = page[page.index('data-place="create:0"'):].split("</tr>")[0]
    assert '<td data-stat="reached">1</td>' in ended and '<td data-stat="ended">1</td>' in ended
