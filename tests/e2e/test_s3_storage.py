"""Two replicas sharing results through S3-compatible object storage: what one pipeline makes (a
template sticker, a sticker from a photo with its kept upload), another lists, fetches byte for byte
and serves at /results/{id}/{name}; the kept upload is in the bucket but never served; once removed,
the bucket holds nothing of it.

The object storage is moto's standalone server (`moto[server]`, ThreadedMotoServer) spoken to over real
HTTP on 127.0.0.1 by boto3: the most faithful S3 implementation installable from the package index
(MinIO is on neither PyPI nor Debian). The AWS_* variables are set only inside the fixture.
"""

from __future__ import annotations

import httpx
import pytest
from s3_server import bucket_keys, new_bucket, point_boto3_at, s3_endpoint

from emojigen import Pipeline, Settings, StickerRequest
from emojigen.store import OutputStore

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    with s3_endpoint() as endpoint, pytest.MonkeyPatch.context() as env:
        point_boto3_at(env, endpoint, tmp_path_factory.mktemp("no-aws-config"))
        yield new_bucket()


def test_a_result_made_by_one_replica_is_seen_fetched_and_removed_by_another(bucket, tmp_path, detector, photos):
    url = f"s3://{bucket}/prefix"
    pipeline = Pipeline(Settings(outputs_dir=tmp_path / "a", storage_url=url), detector=detector)
    drawn = pipeline.run(StickerRequest(template="cat", text="开心"))
    photo = pipeline.run(StickerRequest(image=photos["face"], text="开心", seed=3))
    pipeline.settle()  # the kept upload is written after the answer
    assert drawn.png_path.is_relative_to((tmp_path / "a").resolve())  # served from local disk, as before
    keys = bucket_keys(bucket)
    for made in (drawn, photo):
        assert f"prefix/{made.id}/sticker.png" in keys and f"prefix/{made.id}/result.json" in keys
    assert f"prefix/private/{photo.id}/source.png" in keys and f"prefix/private/{drawn.id}/source.png" not in keys

    replica = Pipeline(Settings(outputs_dir=tmp_path / "b", storage_url=url), detector=detector)
    assert set(replica.store.result_ids()) == {drawn.id, photo.id}
    for made in (drawn, photo):
        fetched = replica.store.fetch(made.id, "sticker.png")
        assert fetched.is_relative_to((tmp_path / "b").resolve())
        assert fetched.read_bytes() == made.png_path.read_bytes()
        assert httpx.get(replica.store.url(made.id, "result.json"), timeout=10).json()["id"] == made.id
    with pytest.raises(FileNotFoundError):
        replica.store.fetch(photo.id, "source.png")  # the kept upload is no result file
    assert not (tmp_path / "b" / "private").exists()

    for made in (drawn, photo):
        replica.store.remove(made.id)
    assert not [key for key in bucket_keys(bucket) if drawn.id in key or photo.id in key]
    assert OutputStore.open(tmp_path / "c", url).result_ids() == []


def test_the_result_cache_links_in_the_bucket_too(bucket, tmp_path, detector):
    url = f"s3://{bucket}/cached"
    pipeline = Pipeline(Settings(outputs_dir=tmp_path / "a", storage_url=url), detector=detector)
    first = pipeline.run(StickerRequest(template="cat", text="开心", seed=7))
    again = pipeline.run(StickerRequest(template="cat", text="开心", seed=7))
    assert again.summary()["result_cache"] == "hit" and again.id != first.id
    other = OutputStore.open(tmp_path / "b", url)
    assert other.fetch(again.id, "sticker.png").read_bytes() == first.png_path.read_bytes()


def test_the_app_serves_another_replicas_result_and_never_a_kept_upload(bucket, serve, tmp_path, detector, photos):
    url = f"s3://{bucket}/served"
    maker = Pipeline(Settings(outputs_dir=tmp_path / "maker", storage_url=url), detector=detector)
    made = maker.run(StickerRequest(image=photos["face"], text="开心", seed=5))
    maker.settle()
    with serve(outputs_dir=tmp_path / "front", storage_url=url, rate_limit=0) as app:
        answer = httpx.get(f"{app}results/{made.id}/sticker.png", timeout=30)
        assert answer.status_code == 200 and answer.content == made.png_path.read_bytes()
        assert answer.headers["content-type"] == "image/png"
        for path in (f"results/private/{made.id}/source.png", f"results/{made.id}/source.png",
                     f"results/{made.id}/%2E%2E%2Fprivate%2F{made.id}%2Fsource.png",
                     f"results/{maker.store.new_id()}/sticker.png", "results/nothing/sticker.png"):
            assert httpx.get(app + path, timeout=30).status_code == 404, path
