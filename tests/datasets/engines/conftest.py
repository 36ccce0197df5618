"""One local Spark session per test module of the engines, started with the PostgreSQL
JDBC driver on its classpath (Debian's libpostgresql-jdbc-java, `make jdbc`), as the
Spark engine's own sessions are."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from consentry.datasets.engines.spark import DEFAULT_JDBC_JAR


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local Spark for the module (its JVM takes seconds to start); the Spark engine
    uses the active session."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    jar = os.environ.get("CONSENTRY_SPARK_JDBC_JAR") or DEFAULT_JDBC_JAR
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("consentry-engine-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
    )
    if Path(jar).is_file():
        builder = builder.config("spark.jars", jar)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
