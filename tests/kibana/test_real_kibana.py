"""`tandem kibana setup` against a real Kibana 8.15 (testcontainers: Elasticsearch + Kibana on one network).

Slow (Kibana takes a minute or two to start); skipped with the reason when no Docker engine is reachable.
TANDEM_TEST_KIBANA_URL points it at a running Kibana instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from api.kibana import load_saved_objects, setup_kibana
from api.settings import Settings
from tests.conftest import ES_IMAGE, _docker_unavailable_reason

pytestmark = pytest.mark.slow
KIBANA_IMAGE = os.environ.get(
    "TANDEM_TEST_KIBANA_IMAGE", f"docker.elastic.co/kibana/kibana:{ES_IMAGE.rsplit(':', 1)[1]}"
)


@pytest.fixture(scope="module")
def kibana_url() -> Iterator[str]:
    if url := os.environ.get("TANDEM_TEST_KIBANA_URL"):
        yield url
        return
    if reason := _docker_unavailable_reason():
        pytest.skip(f"{reason.split(';')[0]}; set TANDEM_TEST_KIBANA_URL to use a running Kibana")
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.network import Network
    from testcontainers.elasticsearch import ElasticSearchContainer

    with Network() as network:
        es = ElasticSearchContainer(ES_IMAGE, mem_limit="2g").with_env("xpack.security.enabled", "false")
        es = es.with_env("ES_JAVA_OPTS", "-Xms1g -Xmx1g").with_network(network).with_network_aliases("elasticsearch")
        with es:
            kibana = DockerContainer(KIBANA_IMAGE).with_env("ELASTICSEARCH_HOSTS", "http://elasticsearch:9200")
            kibana = kibana.with_network(network).with_exposed_ports(5601)
            with kibana:
                yield f"http://{kibana.get_container_host_ip()}:{kibana.get_exposed_port(5601)}"


@pytest.mark.parametrize("prefix", ["", "shop1-"])
def test_import_twice_and_find_every_object(kibana_url: str, prefix: str) -> None:
    settings = Settings(kibana_url=kibana_url, index_prefix=prefix, _env_file=None)
    first = setup_kibana(settings, wait_s=300)  # Kibana answers 503 until it is ready
    second = setup_kibana(settings, wait_s=30)
    expected = load_saved_objects(prefix)
    assert sorted(first.imported) == sorted(second.imported)
    assert {(kind, object_id) for kind, object_id, _ in second.imported} == {(o["type"], o["id"]) for o in expected}
    wanted = [{"type": o["type"], "id": o["id"]} for o in expected]
    response = httpx.post(f"{kibana_url}/api/saved_objects/_bulk_get", json=wanted, headers={"kbn-xsrf": "true"})
    response.raise_for_status()
    found = response.json()["saved_objects"]
    assert [o.get("error") for o in found] == [None] * len(expected)
    titles = {o["id"]: o["attributes"]["title"] for o in found if o["type"] == "index-pattern"}
    assert titles[f"{prefix}tandem-clickthrough"] == f"{prefix}events,{prefix}impressions"
    dashboard = next(o for o in found if o["type"] == "dashboard")
    assert {r["id"] for r in dashboard["references"]} == {o["id"] for o in expected if o["type"] == "lens"}
