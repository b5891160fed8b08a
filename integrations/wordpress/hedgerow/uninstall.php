<?php
/**
 * Removes the plugin's options when it is deleted. Comment meta stays: it records why
 * past comments were held or marked as spam.
 *
 * @package Hedgerow
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'hedgerow_settings' );
delete_option( 'hedgerow_outage' );
