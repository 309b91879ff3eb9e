// `tracectl inspect`: what a stopped node's data directory holds — its chain,
// height, and the hash of every header — read directly from the store.
#include <ostream>

#include "cli/commands.h"
#include "node/config.h"
#include "storage/block_store.h"

namespace tracechain::cli {

int inspect(const InspectOptions& options, std::ostream& out, std::ostream& err) {
  node::NodeConfig paths;
  paths.home = options.home;
  auto genesis = ledger::load_genesis(paths.genesis_file());
  if (!genesis) return report_error(err, genesis.error());
  storage::StoreOptions store_options;
  store_options.initialise_if_empty = false;
  storage::RocksDbOptions rocksdb;
  rocksdb.create_if_missing = false;
  auto store = storage::open_rocksdb_block_store(paths.data_dir(), *genesis, store_options, rocksdb);
  if (!store) return report_error(err, store.error().with_context("data directory"));
  std::uint64_t height = (*store)->height();
  out << "chain " << genesis->chain_id << " genesis " << to_hex(ledger::genesis_hash(*genesis))
      << "\nheight " << height << "\n";
  if (!options.headers) return kExitOk;
  for (std::uint64_t h = 1; h <= height; ++h) {
    auto header = (*store)->header(h);
    if (!header) return report_error(err, header.error());
    auto certificate = (*store)->certificate(h);
    if (!certificate) return report_error(err, certificate.error());
    out << h << " " << to_hex(ledger::header_hash(crypto::suite_hash(genesis->suite), *header))
        << " round " << certificate->round << " signers " << certificate->signatures.size()
        << "\n";
  }
  return kExitOk;
}

}  // namespace tracechain::cli
