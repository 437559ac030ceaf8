//! The transactions of the workspace stores ([`crate::PgScenarios`], [`crate::PgAccounts`]): a
//! change in one read-committed transaction committed only when it succeeds, a read of several
//! statements on one snapshot, and the audit row both append. Each store keeps its own error
//! type ([`Failure`]).

use tokio_postgres::Transaction;

use crate::Database;

/// A store error that can say "the database failed".
pub(crate) trait Failure: Sized {
    /// The database `place` (without its password) failed with `why`.
    fn database(place: String, why: String) -> Self;
}

impl Failure for store::AccountError {
    fn database(place: String, why: String) -> Self {
        store::AccountError::Database { place, why }
    }
}

impl Failure for store::ScenarioStoreError {
    fn database(place: String, why: String) -> Self {
        store::ScenarioStoreError::Database { place, why }
    }
}

impl Database {
    /// A driver error as the store error `E`, naming this database.
    pub(crate) fn fail<E: Failure>(&self, e: tokio_postgres::Error) -> E {
        E::database(self.shown().to_string(), crate::say(&e))
    }

    /// Runs `work` in one transaction (read committed), committed only if it succeeds.
    pub(crate) fn write_tx<T, E: Failure>(
        &self,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        crate::block_on(async {
            let mut client = self.pooled().await?;
            let client: &mut tokio_postgres::Client = &mut client;
            let tx = client.transaction().await.map_err(|e| self.fail(e))?;
            let out = work(&tx).await?;
            tx.commit().await.map_err(|e| self.fail(e))?;
            Ok(out)
        })
    }

    /// Runs `work` read-only on one snapshot (repeatable read).
    pub(crate) fn read_tx<T, E: Failure>(
        &self,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        crate::block_on(async {
            let mut client = self.pooled().await?;
            let client: &mut tokio_postgres::Client = &mut client;
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(|e| self.fail(e))?;
            work(&tx).await
        })
    }

    /// Appends one row to the schema's audit log in `tx`.
    pub(crate) async fn audit<E: Failure>(
        &self,
        tx: &Transaction<'_>,
        actor: &str,
        (action, target): (&str, &str),
        detail: serde_json::Value,
    ) -> Result<(), E> {
        tx.execute(
            &format!(
                "INSERT INTO \"{}\".spielraum_audit (at, actor, action, target, detail) \
                 VALUES ($1, $2, $3, $4, $5)",
                self.schema()
            ),
            &[
                &store::scenario::now(),
                &actor,
                &action,
                &target,
                &detail.to_string(),
            ],
        )
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// A connection from the pool, its failure as the store error `E`.
    async fn pooled<E: Failure>(&self) -> Result<deadpool_postgres::Object, E> {
        self.client()
            .await
            .map_err(|e| E::database(self.shown().to_string(), e.to_string()))
    }
}
