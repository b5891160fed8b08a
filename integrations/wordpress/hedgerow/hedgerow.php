<?php
/**
 * Plugin Name:       Hedgerow
 * Plugin URI:        https://github.com/hedgerow/hedgerow
 * Description:       Self-hosted captcha and comment-spam checks: a Hedgerow widget on the comment form, every comment checked by your own Hedgerow service, and moderators' verdicts sent back to it.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * License:           MIT
 * Text Domain:       hedgerow
 * Domain Path:       /languages
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

define( 'HEDGEROW_VERSION', '0.1.0' );
define( 'HEDGEROW_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-hedgerow-settings.php';
require_once __DIR__ . '/includes/class-hedgerow-client.php';
require_once __DIR__ . '/includes/class-hedgerow-widget.php';
require_once __DIR__ . '/includes/class-hedgerow-outage.php';
require_once __DIR__ . '/includes/class-hedgerow-comments.php';
require_once __DIR__ . '/includes/class-hedgerow-forms.php';
require_once __DIR__ . '/includes/class-hedgerow-admin.php';

/**
 * Wires the plugin's parts to WordPress once every plugin is loaded.
 */
function hedgerow_boot() {
	load_plugin_textdomain( 'hedgerow', false, dirname( plugin_basename( HEDGEROW_FILE ) ) . '/languages' );
	$settings = new Hedgerow_Settings();
	$outage   = new Hedgerow_Outage();
	$client   = new Hedgerow_Client( $settings, $outage );
	$widget   = new Hedgerow_Widget( $settings );
	( new Hedgerow_Comments( $settings, $client, $widget ) )->register();
	( new Hedgerow_Forms( $settings, $client, $widget ) )->register();
	if ( is_admin() ) {
		( new Hedgerow_Admin( $settings, $client, $outage ) )->register();
	}
}
add_action( 'plugins_loaded', 'hedgerow_boot' );
