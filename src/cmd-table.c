/*
 * cmd-table.c -- the one table of every command.
 *
 * Adding a command: write src/cmd-NAME.c with its `cmd_NAME_entry`, declare
 * it below, add it to the table, and write help/TOPIC.txt (the test suite
 * fails when a command has no help topic).  Order here is the order of
 * `help` and of the man page.
 */
#include "config.h"

#include "cmd.h"

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_echo_entry;
extern const struct cmd_entry cmd_get_entry;
extern const struct cmd_entry cmd_set_entry;
extern const struct cmd_entry cmd_source_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_vol_entry;
extern const struct cmd_entry cmd_iv_entry;
extern const struct cmd_entry cmd_price_bs_entry;
extern const struct cmd_entry cmd_price_sabr_entry;
extern const struct cmd_entry cmd_calibrate_sabr_entry;
extern const struct cmd_entry cmd_price_heston_entry;
extern const struct cmd_entry cmd_calibrate_heston_entry;
extern const struct cmd_entry cmd_coint_entry;
extern const struct cmd_entry cmd_ou_bertram_entry;
extern const struct cmd_entry cmd_ou_fit_entry;
extern const struct cmd_entry cmd_ou_optimal_entry;
extern const struct cmd_entry cmd_ou_value_entry;
extern const struct cmd_entry cmd_db_migrate_entry;
extern const struct cmd_entry cmd_db_status_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_cache_get_entry;
extern const struct cmd_entry cmd_cache_put_entry;
extern const struct cmd_entry cmd_import_bars_entry;
extern const struct cmd_entry cmd_import_chain_entry;
extern const struct cmd_entry cmd_feed_start_entry;
extern const struct cmd_entry cmd_feed_stop_entry;
extern const struct cmd_entry cmd_feed_status_entry;
extern const struct cmd_entry cmd_sim_status_entry;
extern const struct cmd_entry cmd_sim_truth_entry;
extern const struct cmd_entry cmd_sim_set_entry;
extern const struct cmd_entry cmd_quotes_entry;
extern const struct cmd_entry cmd_chain_entry;
extern const struct cmd_entry cmd_quarantine_entry;
extern const struct cmd_entry cmd_sleep_entry;
/* issue 6: engine */
extern const struct cmd_entry cmd_run_cmd_entry;
extern const struct cmd_entry cmd_engine_start_entry;
extern const struct cmd_entry cmd_engine_stop_entry;
extern const struct cmd_entry cmd_engine_status_entry;
extern const struct cmd_entry cmd_alerts_entry;
extern const struct cmd_entry cmd_calibrate_ou_entry;
extern const struct cmd_entry cmd_params_entry;
extern const struct cmd_entry cmd_signals_entry;
extern const struct cmd_entry cmd_strategy_list_entry;
extern const struct cmd_entry cmd_strategy_enable_entry;
extern const struct cmd_entry cmd_strategy_disable_entry;
extern const struct cmd_entry cmd_strategy_set_entry;
/* issue 6: calibrations */
extern const struct cmd_entry cmd_calibrate_replay_entry;
extern const struct cmd_entry cmd_calibrations_entry;
/* issue 6: strategies and signals */
/* issue 7: audit trail (cmd-audit.c) */
extern const struct cmd_entry cmd_audit_verify_entry;
extern const struct cmd_entry cmd_audit_show_entry;
/* issue 7: the order manager (cmd-trade.c, cmd-orders.c) */
extern const struct cmd_entry cmd_approve_entry;
extern const struct cmd_entry cmd_reject_entry;
extern const struct cmd_entry cmd_auto_entry;
extern const struct cmd_entry cmd_kill_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_flatten_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_orders_entry;
extern const struct cmd_entry cmd_fills_entry;
extern const struct cmd_entry cmd_positions_entry;
extern const struct cmd_entry cmd_pnl_entry;
extern const struct cmd_entry cmd_greeks_entry;
extern const struct cmd_entry cmd_risk_entry;
extern const struct cmd_entry cmd_scenario_entry;

const struct cmd_entry *const cmd_table[] = {
	/* the program */
	&cmd_help_entry,
	&cmd_get_entry,
	&cmd_set_entry,
	&cmd_source_entry,
	&cmd_echo_entry,
	&cmd_version_entry,
	&cmd_quit_entry,
	/* option models (pricing, implied vol, calibration): issue 3 */
	&cmd_iv_entry,
	&cmd_price_bs_entry,
	&cmd_price_heston_entry,
	&cmd_price_sabr_entry,
	&cmd_calibrate_heston_entry,
	&cmd_calibrate_sabr_entry,
	/* mean-reversion models (ou, coint, vol): issue 4 */
	&cmd_ou_fit_entry,
	&cmd_ou_optimal_entry,
	&cmd_ou_value_entry,
	&cmd_ou_bertram_entry,
	&cmd_coint_entry,
	&cmd_vol_entry,
	/* market data and storage: issue 5 */
	&cmd_db_migrate_entry,
	&cmd_db_status_entry,
	&cmd_status_entry,
	&cmd_cache_get_entry,
	&cmd_cache_put_entry,
	/* market data: feeds, simulator, import, quotes, quarantine (issue 5) */
	&cmd_feed_start_entry,
	&cmd_feed_stop_entry,
	&cmd_feed_status_entry,
	&cmd_sim_status_entry,
	&cmd_sim_truth_entry,
	&cmd_sim_set_entry,
	&cmd_import_bars_entry,
	&cmd_import_chain_entry,
	&cmd_quotes_entry,
	&cmd_chain_entry,
	&cmd_quarantine_entry,
	&cmd_sleep_entry,
	/* engine, strategies and signals: issue 6 */
	/* -- engine */
	&cmd_run_cmd_entry,
	&cmd_engine_start_entry,
	&cmd_engine_stop_entry,
	&cmd_engine_status_entry,
	&cmd_alerts_entry,
	&cmd_calibrate_ou_entry,
	&cmd_params_entry,
	&cmd_signals_entry,
	&cmd_strategy_list_entry,
	&cmd_strategy_enable_entry,
	&cmd_strategy_disable_entry,
	&cmd_strategy_set_entry,
	/* -- calibrations */
	&cmd_calibrate_replay_entry,
	&cmd_calibrations_entry,
	/* -- strategies and signals */
	/* risk, orders and execution: issue 7 */
	&cmd_approve_entry,
	&cmd_reject_entry,
	&cmd_auto_entry,
	&cmd_kill_entry,
	&cmd_resume_entry,
	&cmd_flatten_entry,
	&cmd_cancel_entry,
	&cmd_orders_entry,
	&cmd_fills_entry,
	&cmd_positions_entry,
	&cmd_pnl_entry,
	&cmd_greeks_entry,
	&cmd_risk_entry,
	&cmd_scenario_entry,
	&cmd_audit_verify_entry,
	&cmd_audit_show_entry,
};

const int cmd_table_size = (int)(sizeof cmd_table / sizeof cmd_table[0]);
